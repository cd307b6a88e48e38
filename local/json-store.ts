import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The simulators' own storage: a JSON document on disk, written atomically
 * (temp file + rename) after each change, so a restart finds what was there.
 */
export class JsonStore<T extends object> {
  private data: T;
  constructor(private readonly file: string, initial: T) {
    mkdirSync(dirname(file), { recursive: true });
    this.data = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : initial;
  }

  read(): T {
    return this.data;
  }

  /** Applies a change and persists it before returning what the change returned. */
  update<R>(change: (data: T) => R): R {
    const result = change(this.data);
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data));
    renameSync(tmp, this.file);
    return result;
  }
}
