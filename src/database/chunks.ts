// Upkeep statements (folding rollups and drops) take a chunk of rows at a time, so that no
// statement holds locks or memory for long.

/** Repeats `step` (which does up to `chunk` at a time) until it does less; returns the sum. */
export async function inChunks(chunk: number, step: () => Promise<number>): Promise<number> {
  let total = 0;
  let n: number;
  do {
    n = await step();
    total += n;
  } while (n === chunk);
  return total;
}
