/* A runtime's JavaScript processes, by their pid's index in the core's
 * process table: an array, since a lookup comes with every event and the
 * indices are small and reused. The core frees a process's slot as the
 * process ends, while its exit event may still wait in a batch: a handler
 * earlier in that batch can spawn a process that takes the slot. The
 * process it held moves to `displaced` until its exit is dispatched. */

/* A displaced process by its pid index and serial (two u32: a Number of
 * both would round once the serial passes 2^21; displacing is rare). */
const displacedKey = (index, serial) => `${index}.${serial}`;

export class ProcTable {
  constructor() {
    this.slots = [];
    this.displaced = new Map(); // displacedKey(index, serial) -> Proc
    this.size = 0;
  }

  /** The Proc of the pid with this index and serial, or undefined. */
  get(index, serial) {
    const p = this.slots[index];
    if (p !== undefined && p.pid.serial === serial) return p;
    return this.displaced.size === 0 ? undefined : this.displaced.get(displacedKey(index, serial));
  }

  add(proc) {
    const index = proc.pid.id;
    const held = this.slots[index];
    if (held === proc) return;
    if (held !== undefined) this.displaced.set(displacedKey(index, held.pid.serial), held);
    this.slots[index] = proc;
    this.size++;
  }

  delete(proc) {
    const index = proc.pid.id;
    if (this.slots[index] === proc) {
      this.slots[index] = undefined;
      this.size--;
    } else if (this.displaced.delete(displacedKey(index, proc.pid.serial))) {
      this.size--;
    }
  }

  *values() {
    yield* this.displaced.values();
    for (const proc of this.slots) if (proc !== undefined) yield proc;
  }

  clear() {
    this.slots = [];
    this.displaced.clear();
    this.size = 0;
  }
}
