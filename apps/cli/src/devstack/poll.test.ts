import { describe, expect, it } from 'vitest';
import { PollAborted, pollUntil } from './poll.js';

describe('pollUntil', () => {
  it('returns the first defined value', async () => {
    let n = 0;
    expect(
      await pollUntil(() => (++n === 3 ? 'ok' : undefined), { timeoutMs: 5_000, intervalMs: 1, what: 'x' }),
    ).toBe('ok');
    expect(n).toBe(3);
  });

  it('times out naming what it waited for and the last error', async () => {
    const wait = pollUntil(
      () => {
        throw new Error('connection refused');
      },
      { timeoutMs: 50, intervalMs: 10, what: 'the API' },
    );
    await expect(wait).rejects.toThrow(
      /timed out after 0.05s waiting for the API; last error: connection refused/,
    );
  });

  it('stops at once when aborted', async () => {
    const controller = new AbortController();
    const wait = pollUntil(() => undefined, { timeoutMs: 60_000, what: 'x', signal: controller.signal });
    controller.abort();
    await expect(wait).rejects.toBeInstanceOf(PollAborted);
  });

  it('fails fast when the failFast promise settles, without waiting for the deadline', async () => {
    let exit: (why: string) => void = () => {};
    const failFast = new Promise<string>((resolve) => {
      exit = resolve;
    });
    const started = Date.now();
    const wait = pollUntil(() => undefined, { timeoutMs: 60_000, intervalMs: 10_000, what: 'x', failFast });
    exit('orchestrator exited with code 1');
    await expect(wait).rejects.toThrow('orchestrator exited with code 1');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
