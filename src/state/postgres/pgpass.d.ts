// The part of pgpass (node-postgres's reader of libpq password files) that ferry uses.
declare module "pgpass/lib/helper.js" {
  interface PgpassEntry {
    host: string;
    port: string;
    database: string;
    user: string;
    password: string;
  }
  interface PgpassHelper {
    parseLine(line: string): PgpassEntry | null;
    isValidEntry(entry: PgpassEntry): boolean;
    match(connInfo: { host: string; port: number | string; database: string; user: string }, entry: PgpassEntry): boolean;
  }
  const helper: PgpassHelper;
  export default helper;
}
