import type Docker from 'dockerode';
import { errorMessage, safeLog } from '../../logger.js';
import { bounded } from './calls.js';
import type { ContainerPlan } from './container-spec.js';
import { removeNow } from './endings.js';
import { inspectImage } from './image.js';
import { create } from './launch.js';
import type { ResolvedDockerOptions } from './options.js';

/**
 * Containers created while their bids await the orchestrator's approval, so that an accepted bid
 * only has to start one: the create overlaps the approval round trip. Each is taken by its run or
 * thrown away. Only local images: a pull waits for an accepted bid, which reports its progress.
 */
export class PreparedContainers {
  private readonly byExecution = new Map<
    string,
    { container: Promise<Docker.Container | undefined>; made: string }
  >();

  constructor(
    private readonly o: ResolvedDockerOptions,
    private readonly owner: {
      /** The sweep must spare the execution's container (or stop sparing it). */
      own(executionId: string): void;
      disown(executionId: string): void;
      /** A removal the engine waits for when it closes. */
      track(removal: Promise<void>): void;
      closing: AbortSignal;
    },
  ) {}

  has(executionId: string): boolean {
    return this.byExecution.has(executionId);
  }

  prepare(executionId: string, plan: ContainerPlan): void {
    this.owner.own(executionId);
    const container = (async () => {
      // A missing image throws here: nothing is prepared, and the run pulls it.
      await bounded(
        'image inspect',
        this.o.callTimeoutMs,
        (abortSignal) => inspectImage(this.o.docker, plan.image, abortSignal),
        this.owner.closing,
      );
      return create(this.o.docker, plan, this.o);
    })().catch((error: unknown) => {
      safeLog(this.o.logger, 'debug', { executionId, err: errorMessage(error) }, 'no head start');
      return undefined;
    });
    this.byExecution.set(executionId, { container, made: JSON.stringify(plan.create) });
  }

  /**
   * The run's prepared container, if it was made from the same plan (the inputs staged where they
   * were expected, say); the run owns it from now on. One made otherwise is thrown away first: the
   * run's own takes its name.
   */
  take(executionId: string, plan: ContainerPlan): Promise<Docker.Container | undefined> | undefined {
    const prepared = this.byExecution.get(executionId);
    if (prepared === undefined) return undefined;
    // Still owned afterwards: the run owns the execution from here.
    if (prepared.made !== JSON.stringify(plan.create))
      return this.remove(executionId, false).then(() => undefined);
    this.byExecution.delete(executionId);
    return prepared.container;
  }

  discard(executionId: string): void {
    void this.remove(executionId, true);
  }

  /** Removes what was prepared for the execution; resolves once it is gone. */
  private remove(executionId: string, disown: boolean): Promise<void> {
    const prepared = this.byExecution.get(executionId)?.container;
    this.byExecution.delete(executionId);
    if (prepared === undefined) return Promise.resolve();
    const removal = prepared
      .then((container) => container && removeNow(container, this.o, this.o.logger, executionId))
      .finally(() => {
        if (disown) this.owner.disown(executionId);
      });
    this.owner.track(removal);
    return removal.then(
      () => undefined,
      () => undefined,
    );
  }

  discardAll(): void {
    for (const executionId of [...this.byExecution.keys()]) this.discard(executionId);
  }
}
