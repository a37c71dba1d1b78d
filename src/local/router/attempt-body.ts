import { Readable } from 'node:stream';

/**
 * A view of a request body for one upstream attempt. It starts reading `source` only when the
 * attempt reads it (after the connection is up), and its end, an error or its destruction leave
 * `source` alive and paused: a failed attempt that never read it leaves it whole for a retry, and
 * `source.readableDidRead` tells whether any of it was sent.
 */
export function attemptBody(source: Readable): Readable {
  let attached = false;
  const onData = (chunk: Buffer) => {
    if (!view.push(chunk)) source.pause();
  };
  const onEnd = () => {
    view.push(null);
  };
  const onError = (error: Error) => {
    view.destroy(error);
  };
  const detach = () => {
    source.off('data', onData);
    source.off('end', onEnd);
    source.off('error', onError);
    source.pause();
  };
  const view: Readable = new Readable({
    read() {
      if (!attached) {
        attached = true;
        if (source.readableEnded) {
          view.push(null);
          return;
        }
        source.on('data', onData);
        source.once('end', onEnd);
        source.once('error', onError);
      }
      source.resume();
    },
    destroy(error, callback) {
      detach();
      callback(error);
    },
  });
  view.once('end', detach);
  return view;
}
