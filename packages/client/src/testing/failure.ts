import { isShoalError, type ShoalError } from '@shoal/models';

/** The ShoalError a call fails with; the test fails if it succeeds or throws anything else. */
export async function failure(promise: Promise<unknown>): Promise<ShoalError> {
  try {
    await promise;
  } catch (error) {
    if (isShoalError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}
