import { ClusterRequestError } from '../src/nest/transport/cluster-errors';

/** The ClusterRequestError a cluster request fails with; anything else (a success, another error) fails the test. */
export async function requestFailure(p: Promise<unknown>): Promise<ClusterRequestError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ClusterRequestError) return err;
    throw new Error(`expected a ClusterRequestError, got ${String(err)}`);
  }
  throw new Error('expected the request to fail');
}
