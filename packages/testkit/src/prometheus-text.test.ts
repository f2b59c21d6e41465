import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleSum } from './prometheus-text.js';

describe('parsePrometheusText', () => {
  const page = [
    '# HELP shoal_jobs Jobs.',
    '# TYPE shoal_jobs gauge',
    'shoal_jobs{state="Running",type="batch"} 2',
    'shoal_jobs{state="Queued",type="batch"} 3',
    'shoal_x_bucket{le="+Inf",msg="a \\"quoted\\", comma"} 7',
    'process_start_time_seconds 1700000000',
    '',
  ].join('\n');

  it('reads names, labels (escapes included) and values', () => {
    const samples = parsePrometheusText(page);
    expect(samples).toHaveLength(4);
    expect(samples[2]).toEqual({
      name: 'shoal_x_bucket',
      labels: { le: '+Inf', msg: 'a "quoted", comma' },
      value: 7,
    });
    expect(samples[3]).toEqual({ name: 'process_start_time_seconds', labels: {}, value: 1_700_000_000 });
  });

  it('sums the samples whose labels include the given ones', () => {
    const samples = parsePrometheusText(page);
    expect(sampleSum(samples, 'shoal_jobs')).toBe(5);
    expect(sampleSum(samples, 'shoal_jobs', { state: 'Queued' })).toBe(3);
    expect(sampleSum(samples, 'shoal_jobs', { state: 'Failed' })).toBe(0);
  });

  it('refuses a line that is not a sample', () => {
    expect(() => parsePrometheusText('shoal_jobs{state="x"')).toThrow(/not a Prometheus sample/);
  });
});
