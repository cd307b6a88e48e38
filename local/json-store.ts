import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Journal lines after which the snapshot is rewritten, so a restart replays a bounded file. */
const COMPACT_AFTER = 5_000;

type Collections = Record<string, Record<string, unknown>>;

/**
 * The simulators' own storage: named collections of JSON entries on disk. Each change
 * appends the entries it touched to a journal (one line, one write), so a debit costs the
 * size of the entries it changed, not a rewrite of every account and move ever made; the
 * snapshot is rewritten atomically (temp file + rename) only every few thousand changes.
 * A restart reads the snapshot and replays the journal.
 */
export class JsonStore<T extends { [K in keyof T]: Record<string, unknown> }> {
  private data: T;
  private readonly journal: string;
  private journalLines = 0;

  constructor(private readonly file: string, initial: T) {
    mkdirSync(dirname(file), { recursive: true });
    this.journal = `${file}.journal`;
    this.data = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : initial;
    for (const name of Object.keys(initial)) (this.data as unknown as Collections)[name] ??= {};
    if (existsSync(this.journal)) {
      for (const line of readFileSync(this.journal, 'utf8').split('\n')) {
        // A line cut short by a crash mid-append is a change that never returned: drop it.
        let changes: [string, string, unknown][];
        try {
          changes = JSON.parse(line) as [string, string, unknown][];
        } catch {
          continue;
        }
        for (const [collection, id, value] of changes) this.apply(collection, id, value);
      }
      this.compact();
    }
  }

  read(): T {
    return this.data;
  }

  /**
   * Applies a change and persists it before returning what the change returned. The change
   * must reach entries as `data.<collection>[id]`; every entry it reads or writes that way is
   * journaled (reads too, because entries are changed in place).
   */
  update<R>(change: (data: T) => R): R {
    const touched = new Map<string, Set<string>>();
    const note = (collection: string, id: string) => {
      let ids = touched.get(collection);
      if (!ids) touched.set(collection, (ids = new Set()));
      ids.add(id);
    };
    const view = new Proxy(this.data as unknown as Collections, {
      get: (target, collection) => {
        const entries = Reflect.get(target, collection) as Record<string, unknown> | undefined;
        if (typeof collection !== 'string' || !entries || typeof entries !== 'object') return entries;
        return new Proxy(entries, {
          get: (e, id) => (typeof id === 'string' && Object.hasOwn(e, id) && note(collection, id), Reflect.get(e, id)),
          set: (e, id, value) => (typeof id === 'string' && note(collection, id), Reflect.set(e, id, value)),
          deleteProperty: (e, id) => (typeof id === 'string' && note(collection, id), Reflect.deleteProperty(e, id)),
        });
      },
    });
    const result = change(view as unknown as T);
    const changes: [string, string, unknown][] = [];
    for (const [collection, ids] of touched) for (const id of ids) changes.push([collection, id, (this.data as unknown as Collections)[collection][id] ?? null]);
    if (changes.length > 0) {
      appendFileSync(this.journal, `${JSON.stringify(changes)}\n`);
      if (++this.journalLines >= COMPACT_AFTER) this.compact();
    }
    return result;
  }

  private apply(collection: string, id: string, value: unknown) {
    const entries = ((this.data as unknown as Collections)[collection] ??= {});
    if (value === null) delete entries[id];
    else entries[id] = value;
  }

  /** Folds the journal into the snapshot. */
  private compact() {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data));
    renameSync(tmp, this.file);
    rmSync(this.journal, { force: true });
    this.journalLines = 0;
  }
}
