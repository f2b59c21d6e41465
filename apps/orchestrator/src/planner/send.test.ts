import {
  ComputeStateType as C,
  type ComputeStateType,
  DesiredStateType as D,
  type DesiredStateType,
} from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { messageFor } from './send.js';
import { makeExecution } from './testing/fixtures.js';

describe('which message carries an update (the table in types.ts)', () => {
  const cases: Array<[DesiredStateType, ComputeStateType, DesiredStateType | undefined, string | undefined]> =
    [
      [D.Pending, C.AskForBidAccepted, D.Running, 'BidAccepted'],
      [D.Pending, C.BidAccepted, D.Running, 'BidAccepted'],
      [D.Pending, C.New, D.Stopped, 'BidRejected'],
      [D.Pending, C.AskForBid, D.Stopped, 'BidRejected'],
      [D.Pending, C.AskForBidAccepted, D.Stopped, 'BidRejected'],
      [D.Pending, C.BidAccepted, D.Stopped, 'CancelExecution'],
      [D.Running, C.New, D.Stopped, 'CancelExecution'],
      [D.Running, C.AskForBidAccepted, D.Stopped, 'CancelExecution'],
      [D.Running, C.BidAccepted, D.Stopped, 'CancelExecution'],
      [D.Stopped, C.BidAccepted, undefined, undefined],
      [D.Stopped, C.BidAccepted, D.Stopped, undefined],
    ];
  it.each(cases)('desired %i, compute %i, desired -> %s: %s', (desired, compute, next, message) => {
    const before = makeExecution({ id: 'e-1', node: 'n-1', desired, compute });
    const change = next === undefined ? {} : { desiredState: { StateType: next, Message: 'why' } };
    expect(messageFor(before, change)).toBe(message);
  });
});
