/* A runtime's JavaScript processes, by their pid's index in the core's
 * process table: Map's interface over an array, since a lookup comes with
 * every event and the indices are small and reused. */
export class ProcTable {
  constructor() {
    this.slots = [];
    this.size = 0;
  }

  get(index) {
    return this.slots[index];
  }

  set(index, proc) {
    if (this.slots[index] === undefined) this.size++;
    this.slots[index] = proc;
  }

  delete(index) {
    if (this.slots[index] === undefined) return;
    this.slots[index] = undefined;
    this.size--;
  }

  *values() {
    for (const proc of this.slots) if (proc !== undefined) yield proc;
  }

  clear() {
    this.slots = [];
    this.size = 0;
  }
}
