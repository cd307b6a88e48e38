// Moved to the use-case layer; kept so the other areas' handlers compile until they import from there.
export * from '../app/one-time-codes';
