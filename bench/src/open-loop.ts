import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from './jobs-client.js';

export interface OpenLoopResult {
  sent: number;
  ok: number;
  failed: number;
  /** Requests answered per second over the run. */
  rate: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** How late this process sent its requests against their slots, p99: its own share of the latency. */
  sendLagP99: number;
}

/**
 * GETs at a steady `rate` for `durationS`, each request sent at its own slot on the schedule
 * (t0 + i / rate) whatever the answers before it did: an open loop, as independent clients load a
 * server. A request's latency runs from its slot, not from when it could go out, so a server (or
 * this process) that falls behind shows it in the percentiles instead of slowing the load.
 *
 * Why not autocannon's `overallRate`: it refills each connection's quota once a second, so every
 * second starts with all connections firing back to back at full speed and ends idle, and it
 * back-fills its histogram as if each connection sent every millisecond. Neither is a steady rate.
 */
export async function openLoopGets(options: {
  url: string;
  path: () => string;
  rate: number;
  durationS: number;
  connections: number;
}): Promise<OpenLoopResult> {
  const { hostname, port } = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  const lags: number[] = [];
  let failed = 0;
  let inFlight = 0;
  let settle: (() => void) | undefined;
  const fire = (slot: number) => {
    inFlight++;
    lags.push(performance.now() - slot);
    // An error after the answer (a reset socket) must not count the request twice.
    let finished = false;
    const done = (ok: boolean) => {
      if (finished) return;
      finished = true;
      if (ok) latencies.push(performance.now() - slot);
      else failed++;
      if (--inFlight === 0) settle?.();
    };
    const req = request({ hostname, port, path: options.path(), agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => done(res.statusCode === 200));
      res.on('error', () => done(false));
    });
    req.on('error', () => done(false));
    req.end();
  };
  const interval = 1000 / options.rate;
  const total = Math.round(options.rate * options.durationS);
  const t0 = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor((performance.now() - t0) / interval) + 1);
    for (; sent < due; sent++) fire(t0 + sent * interval);
    await sleep(1);
  }
  if (inFlight > 0) await new Promise<void>((resolve) => (settle = resolve));
  const elapsedS = (performance.now() - t0) / 1000;
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  const at = (p: number) => Math.round(percentile(sorted, p) * 10) / 10;
  return {
    sent,
    ok: sorted.length,
    failed,
    rate: sorted.length / elapsedS,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: Math.round((sorted.at(-1) ?? 0) * 10) / 10,
    sendLagP99:
      Math.round(
        percentile(
          lags.sort((a, b) => a - b),
          0.99,
        ) * 10,
      ) / 10,
  };
}
