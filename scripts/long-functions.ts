// Lists the functions longer than the house limit (80 lines), longest first, so the rule "no
// function over ~80 lines" can be checked rather than remembered: every function, method, accessor
// and arrow of the code that ships — src/, the studio's sources, bin/ and scripts/ (TypeScript and
// JavaScript; the studio's generated gql/ aside) — and of the code beside it: bench/ and the tests'
// shared test/support. The test files' own describe and test callbacks are specs, not measured. Pothos field lists (`fields: (t) => ({ … })`, an
// arrow that only returns an object literal) are declarative and exempt; the resolvers inside them
// are measured like any function. Exits 1 when any function is listed: `npm run lint` runs it;
// `--max N` changes the limit.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const maxIndex = process.argv.indexOf('--max');
const limit = maxIndex === -1 ? 80 : Number(process.argv[maxIndex + 1]);
const root = join(import.meta.dirname, '..');

/** What is measured, from the repository's root, and the generated code within it that is not. */
const ROOTS = ['src', 'studio/src', 'bin', 'scripts', 'bench', 'test/support'];
const GENERATED = new Set(['studio/src/gql']);

function sourceFiles(dir: string): string[] {
  if (GENERATED.has(relative(root, dir))) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(tsx?|[cm]?js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function functionName(node: ts.FunctionLikeDeclaration): string {
  if (node.name) {
    const own = node.name.getText();
    const owner = node.parent;
    return ts.isClassLike(owner) && owner.name ? `${owner.name.text}.${own}` : own;
  }
  if (ts.isConstructorDeclaration(node)) return `${node.parent.name?.text ?? 'class'}.constructor`;
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText();
  return '(anonymous)';
}

/** `fields: (t) => ({ … })`: an arrow under the key `fields` whose body is an object literal and nothing else. */
function isPothosFieldList(node: ts.Node): boolean {
  const parent = node.parent;
  if (!ts.isArrowFunction(node) || !ts.isPropertyAssignment(parent) || parent.name.getText() !== 'fields') return false;
  return ts.isParenthesizedExpression(node.body) && ts.isObjectLiteralExpression(node.body.expression);
}

const found: { lines: number; where: string; name: string }[] = [];
for (const file of ROOTS.flatMap((dir) => sourceFiles(join(root, dir)))) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body && !isPothosFieldList(node)) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > limit) {
        const where = `${relative(root, file)}:${start + 1}`;
        found.push({ lines, where, name: functionName(node as ts.FunctionLikeDeclaration) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

found.sort((a, b) => b.lines - a.lines);
for (const { lines, where, name } of found) console.log(`${String(lines).padStart(4)}  ${name}  ${where}`);
process.exitCode = found.length > 0 ? 1 : 0;
