import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseInput, parseInputFlag } from './input-flag.js';

const noFiles = () => {
  throw Object.assign(new Error('no'), { code: 'ENOENT' });
};
const parse = (value: string) => parseInput(value, noFiles);

describe('-i/--input', () => {
  it('takes a URL as urlDownload at /inputs', () => {
    expect(parse('https://example.com/data/file.csv')).toEqual({
      Source: { Type: 'urlDownload', Params: { URL: 'https://example.com/data/file.csv' } },
      Target: '/inputs',
    });
    expect(parse('http://example.com:8080/f').Source.Params).toEqual({ URL: 'http://example.com:8080/f' });
  });

  it('takes URI:PATH, src=…,dst=… and their synonyms', () => {
    expect(parse('file:///data:/inputs')).toEqual({
      Source: { Type: 'localDirectory', Params: { SourcePath: '/data', ReadWrite: false } },
      Target: '/inputs',
    });
    expect(parse('https://example.com/a.csv:/in')).toMatchObject({ Target: '/in' });
    expect(parse('src=file:///data/set,dst=/data,opt=rw=true')).toEqual({
      Source: { Type: 'localDirectory', Params: { SourcePath: '/data/set', ReadWrite: true } },
      Target: '/data',
    });
    expect(parse('source=https://x/y,target=/t')).toMatchObject({ Target: '/t' });
    expect(parse('file:///data')).toMatchObject({
      Source: { Params: { SourcePath: '/data' } },
      Target: '/inputs',
    });
  });

  it('takes s3://bucket/key with its options as the s3 source', () => {
    expect(
      parse('src=s3://bucket/some/key,dst=/in,opt=region=eu-west-1,opt=endpoint=http://127.0.0.1:9000'),
    ).toEqual({
      Source: {
        Type: 's3',
        Params: { Bucket: 'bucket', Key: 'some/key', Region: 'eu-west-1', Endpoint: 'http://127.0.0.1:9000' },
      },
      Target: '/in',
    });
    expect(parse('s3://bucket/prefix/*,opt=version-id=3').Source.Params).toEqual({
      Bucket: 'bucket',
      Key: 'prefix/*',
      VersionID: '3',
    });
  });

  it('takes a data: URI whole, commas and padding included, and a local file with inline:', () => {
    expect(parse('data:text/plain;base64,aGk=,dst=/inputs/hi.txt')).toEqual({
      Source: { Type: 'inline', Params: { URL: 'data:text/plain;base64,aGk=' } },
      Target: '/inputs/hi.txt',
    });
    expect(parse('src=data:,a,b,dst=/x').Source.Params).toEqual({ URL: 'data:,a,b' });
    const file = parseInput('inline:./s.sh,dst=/inputs/s.sh', () => Buffer.from('echo hi'));
    expect(file.Source).toEqual({
      Type: 'inline',
      Params: { URL: 'data:application/octet-stream;base64,ZWNobyBoaQ==' },
    });
  });

  it.each([
    ['ftp://example.com/x', 'unsupported source "ftp://example.com/x"'],
    ['dst=/in', 'no source'],
    ['https://x/y,dst=relative', 'must be an absolute path'],
    ['https://x/y,colour=red', '"colour=red" is not src=URI'],
    ['https://x/y,opt=rw=true', 'unknown option "rw" for https inputs'],
    ['file:///data,opt=rw=maybe', 'expected true or false'],
    ['s3://bucket/k,opt=colour=red', 'unknown option "colour" for s3 inputs'],
    ['s3://', 'must look like s3://bucket/key'],
    ['inline:./missing', 'cannot read ./missing: ENOENT'],
  ])('refuses %s', (value, message) => {
    expect(() => parse(value)).toThrow(InvalidArgumentError);
    expect(() => parse(value)).toThrow(message);
  });

  it('collects repeated flags in order', () => {
    const inputs = parseInputFlag('https://x/b', parseInputFlag('https://x/a'));
    expect(inputs.map((i) => i.Source.Params.URL)).toEqual(['https://x/a', 'https://x/b']);
  });
});
