import { clientHost } from '@shoal/nats-server';

/** The URL clients on this machine use for a NATS server listening on host:port. */

/** `nats://host:port`, with an IPv6 host in brackets. */
export function natsUrl(host: string, port: number): string {
  const h = clientHost(host);
  return `nats://${h.includes(':') ? `[${h}]` : h}:${port}`;
}
