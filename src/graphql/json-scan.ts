/**
 * The bounds of src/graphql/request-bounds.ts read off JSON text before it is parsed: one pass over
 * the characters, tracking only which container each one is in and skipping string contents. A
 * JSON.parse of 58 KB of nesting (`[[[[…` 29,000 deep) takes ~40 ms of a core and of many keys
 * several ms; the scan reads the same text in well under a millisecond, so a refusal costs about
 * what reading the body cost.
 *
 * It is not a validator: text that is not JSON is left for the parser to refuse. It counts the
 * values as sent (a key repeated in one object counts each time), which is what the parser pays
 * for.
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
  values: number;
}

/** The first bound the text passes, in words, and whether it was in a bounded value (else: the body's nesting). */
export interface ScanProblem {
  readonly problem: string;
  readonly inBoundedValue: boolean;
}

/**
 * The first bound the JSON `text` passes, in document order, or undefined. The problem names the
 * value (`the variables nest deeper than 16 levels`). `bounded` maps what is bounded to its name in
 * words: for a request body (`root: 'members'`), members of the top-level object
 * (`{ variables: 'the variables' }`); for a parameter sent alone (`root: 'whole'`, a GET's
 * `variables`), the whole text, under its one name. Outside the bounded values nesting is bounded
 * too (one level more, for the body's own object): nothing else a request sends nests.
 */
export function scanJsonBounds(
  text: string,
  bounds: ScanBounds,
  root: 'members' | 'whole',
  bounded: Readonly<Record<string, string>>,
): ScanProblem | undefined {
  const names = new Map(Object.entries(bounded));
  const whole = root === 'whole' ? { name: [...names.values()][0]!, base: 0, values: 1 } : undefined;
  const state = new ScanState(bounds, whole);
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      const end = stringEnd(text, index);
      state.element();
      if (root === 'members' && state.depth === 1) state.lastString = text.slice(index + 1, end);
      index = end;
    } else if (code === OPEN_ARRAY || code === OPEN_OBJECT) {
      state.element();
      state.open(code === OPEN_ARRAY);
    } else if (code === CLOSE_ARRAY || code === CLOSE_OBJECT) {
      state.close();
    } else if (code === COLON) {
      state.colon(root === 'members' && state.depth === 1 ? names.get(state.lastString) : undefined);
    } else if (code === COMMA) {
      state.comma();
    } else if (code > 0x20) {
      state.element();
    }
    if (state.problem !== undefined) return { problem: state.problem, inBoundedValue: state.inBoundedValue };
  }
  return undefined;
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
  /** Whether each open container (index: its depth) is an array, up to the depth the scan refuses. */
  private readonly arrays: boolean[] = [];
  /** An array was opened or a comma read in one: the next value is one of its elements. */
  private awaitingElement = false;
  private section: Section | undefined;

  constructor(
    private readonly bounds: ScanBounds,
    private readonly whole: Section | undefined,
  ) {
    this.section = whole;
  }

  /** A value starts (a scalar's first character, a string, or a container). */
  element(): void {
    if (!this.awaitingElement) return;
    this.awaitingElement = false;
    if (this.section !== undefined && this.depth > this.section.base) this.count(1);
  }

  open(isArray: boolean): void {
    this.depth += 1;
    const section = this.section;
    if (section !== undefined && this.depth - section.base > this.bounds.maxDepth) {
      this.problem = `${section.name} nest deeper than ${this.bounds.maxDepth} levels`;
      this.inBoundedValue = true;
    } else if (section === undefined && this.depth > this.bounds.maxDepth + 1) {
      this.problem = `the request body nests deeper than ${this.bounds.maxDepth + 1} levels`;
    }
    this.arrays[this.depth] = isArray;
    this.awaitingElement = isArray;
  }

  close(): void {
    this.awaitingElement = false;
    if (this.depth > 0) this.depth -= 1;
    if (this.whole === undefined && this.depth <= 1) this.section = undefined;
  }

  /** A member's key ended; `section` names the member when it is a bounded one. */
  colon(section: string | undefined): void {
    if (section !== undefined) this.section = { name: section, base: 1, values: 1 };
    else if (this.section !== undefined && this.depth > this.section.base) this.count(2);
  }

  comma(): void {
    if (this.arrays[this.depth] === true) this.awaitingElement = true;
    if (this.whole === undefined && this.depth === 1) this.section = undefined;
  }

  /** A key counts as a value sent (2: the key and its value), as in `valueBoundsProblem`. */
  private count(values: number): void {
    const section = this.section!;
    section.values += values;
    if (section.values > this.bounds.maxValues) {
      this.problem = `${section.name} hold more than ${this.bounds.maxValues} values`;
      this.inBoundedValue = true;
    }
  }
}
