/**
 * Some of the events being appended already exist, but not as an exact replay of an earlier append
 * to this stream (a partial overlap, another stream, or another order).
 */
export class DuplicateEventError extends Error {
  override readonly name = 'DuplicateEventError';
  readonly streamId: string;
  constructor(streamId: string, detail: string) {
    super(`stream ${streamId}: ${detail}`);
    this.streamId = streamId;
  }
}
