import { stringify } from 'yaml';

/** The YAML document of `-o yaml`, in a module of its own so that only YAML output loads it. */
export function toYaml(data: unknown): string {
  return stringify(data, { lineWidth: 0 });
}
