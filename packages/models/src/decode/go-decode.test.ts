import { describe, expect, it } from 'vitest';
import { arrayOf, decodeAs, mapOf, object, opaque, scalar } from './go-decode.js';
import { JOB_SHAPE, STOP_JOB_REQUEST_SHAPE } from './shapes.js';

const shape = object(
  { Name: scalar, Tags: arrayOf(object({ Key: scalar })), Env: mapOf(), Params: opaque },
  { OldName: 'Name' },
);

describe('decodeAs: Go encoding/json field matching', () => {
  it('matches keys case-insensitively, preferring the exact name', () => {
    expect(decodeAs(shape, { name: 'a' }).value).toEqual({ Name: 'a' });
    expect(decodeAs(shape, { NAME: 'a', tags: [{ key: 'k' }] }).value).toEqual({
      Name: 'a',
      Tags: [{ Key: 'k' }],
    });
  });

  it('lets the later of two keys for one field win, as Go overwrites the field', () => {
    expect(decodeAs(shape, { Name: 'first', name: 'second' }).value).toEqual({ Name: 'second' });
    expect(decodeAs(shape, { name: 'first', Name: 'second' }).value).toEqual({ Name: 'second' });
  });

  it('drops unknown keys and reports each with its path', () => {
    const decoded = decodeAs(shape, { Name: 'a', Extra: 1, Tags: [{ Key: 'k', Nope: true }] }, ['Job']);
    expect(decoded.value).toEqual({ Name: 'a', Tags: [{ Key: 'k' }] });
    expect(decoded.unknown).toEqual(['Job.Extra', 'Job.Tags[0].Nope']);
  });

  it('treats null as absent, and a null string-map value as the empty string', () => {
    expect(decodeAs(shape, { Name: null, Tags: null, Env: { A: null } }).value).toEqual({ Env: { A: '' } });
    expect(decodeAs(shape, { Name: 'kept', name: null }).value).toEqual({ Name: 'kept' });
    expect(decodeAs(shape, null).value).toBeUndefined();
  });

  it('keeps opaque subtrees and map keys exactly as sent', () => {
    const params = { privileged: true, Image: 'x', nested: { a: null } };
    expect(decodeAs(shape, { params, env: { lower: 'v' } }).value).toEqual({
      Params: params,
      Env: { lower: 'v' },
    });
  });

  it('keeps values of the wrong kind for the schema to report', () => {
    expect(decodeAs(shape, { Tags: 'x', Env: [1] }).value).toEqual({ Tags: 'x', Env: [1] });
    expect(decodeAs(shape, 'text').value).toBe('text');
  });

  it('takes an older spelling of a field through its alias', () => {
    expect(decodeAs(shape, { oldname: 'a' }).value).toEqual({ Name: 'a' });
  });
});

describe('the request shapes', () => {
  it('reads v1.1 ResourcesConfig as Resources, and lowercase job keys', () => {
    const job = {
      type: 'batch',
      tasks: [
        { name: 't', engine: { type: 'docker', params: { Image: 'x' } }, ResourcesConfig: { cpu: '1' } },
      ],
    };
    expect(decodeAs(JOB_SHAPE, job).value).toEqual({
      Type: 'batch',
      Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: { Image: 'x' } }, Resources: { CPU: '1' } }],
    });
  });

  it("reads StopJobRequest's lowercase reason tag", () => {
    expect(decodeAs(STOP_JOB_REQUEST_SHAPE, { reason: 'r', JobID: 'j' }).value).toEqual({
      Reason: 'r',
      JobID: 'j',
    });
  });
});
