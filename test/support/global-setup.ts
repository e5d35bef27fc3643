/** Runs once before all test files. Database set-up per file lives in `test/support/database.ts`. */
export default function setup(): void {
  process.env.NODE_ENV = 'test';
}
