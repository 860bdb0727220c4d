/**
 * Start-up failures a person can act on: an error met while opening the store or binding the port,
 * explained in terms of the variable that sets what failed (`HERALD_PORT`, `HERALD_HOST`,
 * `HERALD_DATABASE_URL`, `HERALD_REDIS_URL`) and its value. `main.ts` prints the explanation as
 * `herald: …` and exits 1, without a stack trace; errors it cannot explain keep their stack.
 */
import path from 'node:path';
import type { HeraldConfig } from './schema.js';
import { ConfigError } from './validate.js';

interface SystemError extends Error {
  code?: string;
  syscall?: string;
  path?: string;
  hostname?: string;
  address?: string;
  port?: number;
}

/** A URL with its password hidden, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

const FS_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'a part of the path is a file, not a directory',
  EISDIR: 'the path is a directory',
  ENOENT: 'the directory does not exist',
};

const SQLITE_REASONS: Record<string, string> = {
  SQLITE_CANTOPEN: 'the file cannot be opened or created; check that its directory exists and this user may write there',
  SQLITE_READONLY: 'the file or its directory is read-only for this user (SQLite also writes the -wal and -shm files beside it)',
  SQLITE_PERM: 'permission denied',
  SQLITE_NOTADB: 'the file is not a SQLite database',
  SQLITE_CORRUPT: 'the database file is damaged',
  SQLITE_BUSY: 'another process holds the database locked',
  SQLITE_FULL: 'the disk is full',
};

function hostOf(url: string): { hostname: string; port: string } | undefined {
  try {
    const u = new URL(url);
    return { hostname: u.hostname, port: u.port };
  } catch {
    return undefined;
  }
}

/** The explanation of a start-up error, or undefined when it is not one a person can act on. */
export function explainStartupError(err: unknown, config?: HeraldConfig): string | undefined {
  if (err instanceof ConfigError) return err.message;
  if (!(err instanceof Error)) return undefined;
  const e = err as SystemError;
  const code = e.code ?? '';

  if (e.path?.endsWith('dev-credentials.json') && FS_REASONS[code]) {
    return `cannot write the dev credentials ${e.path}: ${FS_REASONS[code]}. Run Herald from a writable directory, or set HERALD_API_KEYS and HERALD_JWT_SECRET`;
  }
  if (!config) return undefined;
  const { port, host } = config;

  if (e.syscall === 'listen' || code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL') {
    const where = `${host}:${e.port ?? port}`;
    if (code === 'EADDRINUSE') {
      return `HERALD_PORT=${port}: port ${e.port ?? port} is already in use on ${host} (another Herald, or another program, listens there). Stop it, or set HERALD_PORT to a free port`;
    }
    if (code === 'EACCES' || code === 'EPERM') {
      return `HERALD_PORT=${port}: not allowed to listen on ${where} (ports below 1024 need privileges). Set HERALD_PORT to a port above 1023`;
    }
    if (code === 'EADDRNOTAVAIL') {
      return `HERALD_HOST=${host}: ${host} is not an address of this machine. Use one of its addresses, or HERALD_HOST=0.0.0.0 for every interface`;
    }
    return `HERALD_HOST=${host} HERALD_PORT=${port}: cannot listen on ${where}: ${e.message}`;
  }

  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || e.syscall === 'getaddrinfo') {
    const name = e.hostname ?? host;
    const why = code === 'EAI_AGAIN' ? 'could not be resolved now (DNS did not answer)' : 'does not resolve to an address';
    if (name === host) return `HERALD_HOST=${host}: the name ${why}. Use an address of this machine, or HERALD_HOST=0.0.0.0 for every interface`;
    if (config.database.kind === 'postgres' && hostOf(config.database.url)?.hostname === name) {
      return `HERALD_DATABASE_URL=${redactUrl(config.database.url)}: the PostgreSQL host ${name} ${why}`;
    }
    if (config.redisUrl && hostOf(config.redisUrl)?.hostname === name) {
      return `HERALD_REDIS_URL=${redactUrl(config.redisUrl)}: the Redis host ${name} ${why}`;
    }
    return undefined;
  }

  if (config.database.kind === 'sqlite') {
    const file = config.database.file;
    if (code.startsWith('SQLITE_')) {
      const reason = SQLITE_REASONS[code] ?? SQLITE_REASONS[code.replace(/_[A-Z]+$/, '')] ?? e.message;
      return `HERALD_DATABASE_URL: cannot use the SQLite database ${file}: ${reason} (${code})`;
    }
    if (e.path && FS_REASONS[code] && (e.path === file || file.startsWith(e.path + path.sep) || e.path === path.dirname(file))) {
      return `HERALD_DATABASE_URL: cannot create or open the SQLite database ${file}: ${FS_REASONS[code]} (${e.path})`;
    }
  }

  if (code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH') {
    const at = `${e.address ?? '?'}:${e.port ?? '?'}`;
    const why = code === 'ECONNREFUSED' ? 'connection refused' : code === 'ETIMEDOUT' ? 'timed out' : 'host unreachable';
    if (config.database.kind === 'postgres' && String(e.port) === (hostOf(config.database.url)?.port || '5432')) {
      return `HERALD_DATABASE_URL=${redactUrl(config.database.url)}: cannot reach PostgreSQL at ${at} (${why})`;
    }
    if (config.redisUrl && String(e.port) === (hostOf(config.redisUrl)?.port || '6379')) {
      return `HERALD_REDIS_URL=${redactUrl(config.redisUrl)}: cannot reach Redis at ${at} (${why})`;
    }
  }
  // PostgreSQL's own refusals: bad password (28P01), unknown role or database (28000, 3D000).
  if (config.database.kind === 'postgres' && /^(28|3D)/.test(code) && code.length === 5) {
    return `HERALD_DATABASE_URL=${redactUrl(config.database.url)}: PostgreSQL refused the connection: ${e.message}`;
  }
  return undefined;
}
