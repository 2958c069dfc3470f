/**
 * `--listen ADDR:PORT`, shared by `oomtop exporter` and `oomtop guard --listen` (kept apart
 * from the exporter's other options so the guard's parser loads nothing more).
 */
import { isIP } from 'node:net';
import type { ListenAddress } from '../exporter/server.js';
import { UsageError } from './errors.js';

export type { ListenAddress };

/**
 * The exporter's default port. 9100-9999 (the Prometheus default-port-allocations range) is
 * fully allocated; this one lies above it (see README, "Fleet").
 */
export const DEFAULT_PORT = 10173;
export const DEFAULT_HOST = '127.0.0.1';

/** "127.0.0.1:10173", "[::1]:10173", "0.0.0.0:10173", "localhost:0". */
export function parseListen(v: string, option = '--listen'): ListenAddress {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(v);
  if (!m) throw new UsageError(`${option}: "${v}" is not ADDR:PORT (e.g. ${DEFAULT_HOST}:${DEFAULT_PORT}, [::1]:${DEFAULT_PORT})`);
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError(`${option}: port ${port} is out of range (0..65535)`);
  if (host === '') throw new UsageError(`${option}: no address in "${v}": give ${DEFAULT_HOST}:${port} for loopback, or 0.0.0.0:${port} to listen on every address`);
  if (m[1] !== undefined && isIP(host) !== 6) throw new UsageError(`${option}: "${host}" is not an IPv6 address`);
  if (m[2] !== undefined && isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) {
    throw new UsageError(`${option}: "${host}" is not an address or host name`);
  }
  return { host, port };
}

