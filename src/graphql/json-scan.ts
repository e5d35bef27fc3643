/**
 * The bounds of src/graphql/request-bounds.ts read off JSON text before it is parsed: one pass over
 * the characters, tracking only which container each one is in and skipping string contents. A
 * JSON.parse of 58 KB of nesting (`[[[[…` 29,000 deep) takes ~40 ms of a core and of many keys
 * several ms; the scan reads the same text in well under a millisecond, so a refusal costs about
 * what reading the body cost.
 *
 * It is not a validator: text that is not JSON is left for the parser to refuse. It counts the
 * values as sent (a key repeated in one object counts each time), which is what the parser pays
 * for. HTTP refuses a text at its first problem (`scanJsonBounds`); a WebSocket message, which has
 * no answer of its own, is cut instead (`jsonBoundsCuts`: each value past the bounds, skipped to
 * its end, to be read as `null`).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** What the scan refuses: nesting or values past the bounds, in document order. */
export interface ScanBounds {
  readonly maxDepth: number;
  readonly maxValues: number;
}

/** One bounded value in the text (`variables`, `extensions`): its name, where its root is, its count. */
interface Section {
  readonly name: string;
  /** The container depth of the text at which the section's root value sits, less one. */
  readonly base: number;
  /** Where its value starts in the text (just after the member's colon). */
  readonly start: number;
  values: number;
}

/** The first bound the text passes, in words, and whether it was in a bounded value (else: the body's nesting). */
export interface ScanProblem {
  readonly problem: string;
  readonly inBoundedValue: boolean;
  /** Where the value past the bound starts: the bounded value's own, or the container that nests too deep. */
  readonly start: number;
}

/** A value past the bounds and where it ends (exclusive): what `jsonBoundsCuts` reads as `null`. */
export interface ScanCut extends ScanProblem {
  readonly end: number;
}

/**
 * The first bound the JSON `text` passes, in document order, or undefined. The problem names the
 * value (`the variables nest deeper than 16 levels`). `bounded` maps what is bounded to its name in
 * words: for a request body (`root: 'members'`), members of the top-level object
 * (`{ variables: 'the variables' }`), or members one level further down by their path
 * (`{ 'payload.variables': … }`, a WebSocket message); for a parameter sent alone (`root: 'whole'`,
 * a GET's `variables`), the whole text, under its one name. Outside the bounded values nesting is
 * bounded too (as deep as the bounded values' own roots, for the objects around them): nothing
 * else a request sends nests.
 */
export function scanJsonBounds(
  text: string,
  bounds: ScanBounds,
  root: 'members' | 'whole',
  bounded: Readonly<Record<string, string>>,
): ScanProblem | undefined {
  let first: ScanProblem | undefined;
  scan(text, bounds, root, bounded, (found) => {
    first = found;
    return undefined;
  });
  return first;
}

/**
 * Every value of the JSON `text` past the bounds (as `scanJsonBounds` with `root: 'members'` finds
 * them), in document order, each skipped to its end and the scan going on after it: what is left
 * once they are cut is within the bounds. Undefined when a value to cut is not JSON (unclosed, or
 * closed by the wrong bracket): the text is then not worth parsing at all.
 */
export function jsonBoundsCuts(
  text: string,
  bounds: ScanBounds,
  bounded: Readonly<Record<string, string>>,
): ScanCut[] | undefined {
  const cuts: ScanCut[] = [];
  let malformed = false;
  scan(text, bounds, 'members', bounded, (found) => {
    const end = valueEnd(text, found.start);
    if (end === undefined) {
      malformed = true;
      return undefined;
    }
    cuts.push({ ...found, end });
    return end;
  });
  return malformed ? undefined : cuts;
}

/**
 * The one pass: `onProblem` gets each bound passed and answers where to go on (the end of the
 * value it skips), or undefined to stop there.
 */
function scan(
  text: string,
  bounds: ScanBounds,
  root: 'members' | 'whole',
  bounded: Readonly<Record<string, string>>,
  onProblem: (found: ScanProblem) => number | undefined,
): void {
  const names = new Map(Object.entries(bounded));
  const whole = root === 'whole' ? { name: [...names.values()][0]!, base: 0, start: 0, values: 1 } : undefined;
  // How deep the bounded members sit (1: members of the top-level object), and the keys on the way.
  const memberDepth = root === 'whole' ? 0 : Math.max(...[...names.keys()].map((name) => name.split('.').length));
  const path: string[] = [];
  const state = new ScanState(bounds, whole, memberDepth);
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      const end = stringEnd(text, index);
      state.element();
      if (state.depth <= memberDepth) state.lastString = text.slice(index + 1, end);
      index = end;
    } else if (code === OPEN_ARRAY || code === OPEN_OBJECT) {
      state.element();
      state.open(code === OPEN_ARRAY, index);
    } else if (code === CLOSE_ARRAY || code === CLOSE_OBJECT) {
      state.close();
    } else if (code === COLON) {
      let section: string | undefined;
      if (state.depth >= 1 && state.depth <= memberDepth) {
        path.length = state.depth - 1;
        path.push(state.lastString);
        section = names.get(path.join('.'));
      }
      state.colon(section, index + 1);
    } else if (code === COMMA) {
      state.comma();
    } else if (code > 0x20) {
      state.element();
    }
    if (state.problem !== undefined) {
      const resume = onProblem({ problem: state.problem, inBoundedValue: state.inBoundedValue, start: state.start });
      if (resume === undefined) return;
      state.skipped();
      index = resume - 1;
    }
  }
}

/**
 * Where the value starting at `start` (after any whitespace) ends, exclusive; undefined when it
 * is not JSON's nesting (a bracket never closed, or closed by the other kind). A scalar ends at
 * the next comma, closing bracket or whitespace.
 */
function valueEnd(text: string, start: number): number | undefined {
  let index = start;
  while (index < text.length && text.charCodeAt(index) <= 0x20) index++;
  // The open brackets, as a typed array: a plain array's push and pop cost ten times the read.
  const open = new Uint8Array(text.length - index);
  let depth = 0;
  for (; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      index = stringEnd(text, index);
      if (index === text.length) return undefined;
      if (depth === 0) return index + 1;
    } else if (code === OPEN_ARRAY || code === OPEN_OBJECT) {
      open[depth++] = code;
    } else if (code === CLOSE_ARRAY || code === CLOSE_OBJECT) {
      if (depth === 0) return index;
      // Each closing bracket is its opening one plus 2.
      if (open[--depth]! + 2 !== code) return undefined;
      if (depth === 0) return index + 1;
    } else if (depth === 0 && (code === COMMA || code <= 0x20)) {
      return index;
    }
  }
  return depth === 0 ? index : undefined;
}

/** Where the closing quote of the string opening at `start` is (the text's end if none). */
function stringEnd(text: string, start: number): number {
  for (let quote = text.indexOf('"', start + 1); quote !== -1; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return text.length;
}

class ScanState {
  depth = 0;
  problem: string | undefined;
  lastString = '';
  /** Whether `problem` is a bounded value's (else the nesting outside them). */
  inBoundedValue = false;
  /** Where the value `problem` is about starts. */
  start = 0;
  /** Whether each open container (index: its depth) is an array, up to the depth the scan refuses. */
  private readonly arrays: boolean[] = [];
  /** An array was opened or a comma read in one: the next value is one of its elements. */
  private awaitingElement = false;
  private section: Section | undefined;

  constructor(
    private readonly bounds: ScanBounds,
    private readonly whole: Section | undefined,
    /** The depth of the objects holding bounded members: outside those values, nesting stops there plus `maxDepth`. */
    private readonly memberDepth: number,
  ) {
    this.section = whole;
  }

  /** A value starts (a scalar's first character, a string, or a container). */
  element(): void {
    if (!this.awaitingElement) return;
    this.awaitingElement = false;
    if (this.section !== undefined && this.depth > this.section.base) this.count(1);
  }

  open(isArray: boolean, index: number): void {
    this.depth += 1;
    const section = this.section;
    if (section !== undefined && this.depth - section.base > this.bounds.maxDepth) {
      this.problem = `${section.name} nest deeper than ${this.bounds.maxDepth} levels`;
      this.inBoundedValue = true;
      this.start = section.start;
    } else if (section === undefined && this.depth > this.bounds.maxDepth + this.memberDepth) {
      this.problem = `the request body nests deeper than ${this.bounds.maxDepth + this.memberDepth} levels`;
      this.start = index;
    }
    this.arrays[this.depth] = isArray;
    this.awaitingElement = isArray;
  }

  close(): void {
    this.awaitingElement = false;
    if (this.depth > 0) this.depth -= 1;
    if (this.whole === undefined && this.depth <= (this.section?.base ?? 0)) this.section = undefined;
  }

  /** A member's key ended (its value starts at `start`); `section` names the member when it is a bounded one. */
  colon(section: string | undefined, start: number): void {
    if (section !== undefined) this.section = { name: section, base: this.depth, start, values: 1 };
    else if (this.section !== undefined && this.depth > this.section.base) this.count(2);
  }

  comma(): void {
    if (this.arrays[this.depth] === true) this.awaitingElement = true;
    if (this.whole === undefined && this.depth === this.section?.base) this.section = undefined;
  }

  /** The value past the bound was skipped: the scan goes on after it as after a scalar. */
  skipped(): void {
    if (this.inBoundedValue) {
      this.depth = this.section!.base;
      this.section = this.whole;
    } else {
      this.depth -= 1;
    }
    this.problem = undefined;
    this.inBoundedValue = false;
    this.awaitingElement = false;
  }

  /** A key counts as a value sent (2: the key and its value), as in `valueBoundsProblem`. */
  private count(values: number): void {
    const section = this.section!;
    section.values += values;
    if (section.values > this.bounds.maxValues) {
      this.problem = `${section.name} hold more than ${this.bounds.maxValues} values`;
      this.inBoundedValue = true;
      this.start = section.start;
    }
  }
}
