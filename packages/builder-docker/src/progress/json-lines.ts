/**
 * Reads a Docker JSON message stream (build, push, pull): one JSON object per line, lines
 * split across chunks at any byte. `stop()` ends the reading early and destroys the stream.
 */
export async function readJsonLines(
  stream: NodeJS.ReadableStream,
  onMessage: (message: Record<string, unknown>, stop: () => void) => void,
): Promise<void> {
  let pending = '';
  let stopped = false;
  const stop = () => {
    stopped = true;
    (stream as { destroy?: () => void }).destroy?.();
  };
  const handle = (line: string) => {
    const text = line.trim();
    if (text === '') return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      // The daemon sometimes writes plain text (a proxy's error page, a panic): keep it as a stream line.
      message = { stream: `${text}\n` };
    }
    if (typeof message === 'object' && message !== null) onMessage(message as Record<string, unknown>, stop);
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        handle(line);
        if (stopped) return;
      }
    }
  } catch (error) {
    if (stopped) return;
    throw error;
  }
  handle(pending);
}
