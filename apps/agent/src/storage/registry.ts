import type { SpecConfig } from '@shoal/models';
import type { StagedSource, StageSource, StorageProvider } from './storage.js';

/**
 * The input source types this node serves, one provider each. main.ts registers them (inline,
 * urlDownload, localDirectory, and s3 when configured); the node advertises `types`, the bidder
 * asks `refuse`, and staging and the engines fetch through `stageSource`.
 */
export class StorageRegistry {
  private readonly providers = new Map<string, StorageProvider>();

  constructor(providers: readonly StorageProvider[] = []) {
    for (const p of providers) this.register(p);
  }

  register(provider: StorageProvider): this {
    if (this.providers.has(provider.type))
      throw new Error(`input source ${provider.type} is registered twice`);
    this.providers.set(provider.type, provider);
    return this;
  }

  get types(): string[] {
    return [...this.providers.keys()].sort();
  }

  get(type: string): StorageProvider | undefined {
    return this.providers.get(type);
  }

  /** Why this node will not take the source, or undefined (see StorageProvider.refuse). */
  refuse(source: SpecConfig): string | undefined {
    const provider = this.providers.get(source.Type);
    if (!provider) return unsupported(source.Type, this.types);
    return provider.refuse?.(source);
  }

  readonly stageSource: StageSource = (source, dest, signal): Promise<StagedSource> => {
    const provider = this.providers.get(source.Type);
    if (!provider) return Promise.reject(new Error(unsupported(source.Type, this.types)));
    return provider.stage(source, dest, signal);
  };
}

const unsupported = (type: string, types: readonly string[]) =>
  `input source ${type || '(none)'} is not supported by this node (supported: ${types.join(', ') || 'none'})`;
