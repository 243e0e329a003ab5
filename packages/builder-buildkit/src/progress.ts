import { StringDecoder } from 'node:string_decoder';
import type { BuilderEvent, StepStatus } from '@imagespec/core/builder';

/**
 * Reads what `buildctl build --progress rawjson` writes to stderr: one JSON SolveStatus per
 * line ({vertexes, statuses, logs, warnings}), then, on failure, a plain-text tail (the
 * Dockerfile excerpt and `error: failed to solve: ...`). Turns it into builder events:
 * one step event per vertex state change (BuildKit repeats a vertex many times), and one
 * log event per complete output line (log data is base64 and may split lines and UTF-8
 * characters anywhere). No I/O: the adapter feeds it lines.
 */

interface RawVertex {
  digest?: string;
  name?: string;
  started?: string;
  completed?: string;
  cached?: boolean;
  error?: string;
}

interface RawLog {
  vertex?: string;
  stream?: number;
  data?: string;
}

interface RawWarning {
  vertex?: string;
  short?: string;
}

interface RawStatus {
  vertexes?: RawVertex[];
  logs?: RawLog[];
  warnings?: RawWarning[];
}

export interface FailedStep {
  readonly id: string;
  readonly name: string;
  readonly error: string;
}

export interface RawJsonParser {
  /** One stderr line (without its newline) -> the events it completes. */
  line(text: string): BuilderEvent[];
  /** End of stream: the partial log lines still buffered. */
  end(): BuilderEvent[];
  /** Non-JSON lines, last ones kept: buildctl's own error text. */
  readonly plainTail: readonly string[];
  /** Vertices that reported an error, in order. */
  readonly failedSteps: readonly FailedStep[];
  /** Last complete output lines of a step. */
  logTail(stepId: string): readonly string[];
}

const TERMINAL: ReadonlySet<StepStatus> = new Set(['done', 'cached', 'error']);

export function createRawJsonParser(limits: { logTail?: number; plainTail?: number } = {}): RawJsonParser {
  const maxLogTail = limits.logTail ?? 20;
  const maxPlainTail = limits.plainTail ?? 40;
  const steps = new Map<string, { name: string; emitted: Set<StepStatus> }>();
  const partial = new Map<string, { decoder: StringDecoder; buffer: string; step: string; stream: LogStream }>();
  const tails = new Map<string, string[]>();
  const plainTail: string[] = [];
  const failedSteps: FailedStep[] = [];

  function stepOf(id: string) {
    let step = steps.get(id);
    if (!step) {
      step = { name: id, emitted: new Set() };
      steps.set(id, step);
    }
    return step;
  }

  function logLine(step: string, stream: LogStream, raw: string, out: BuilderEvent[]) {
    const line = lastRedraw(raw);
    out.push({ type: 'log', stream, line, step });
    const tail = tails.get(step) ?? [];
    tail.push(line);
    if (tail.length > maxLogTail) tail.shift();
    tails.set(step, tail);
  }

  function flushStep(step: string | undefined, out: BuilderEvent[]) {
    for (const [key, entry] of partial) {
      if (step !== undefined && entry.step !== step) continue;
      const rest = entry.buffer + entry.decoder.end();
      if (rest !== '') logLine(entry.step, entry.stream, rest, out);
      partial.delete(key);
    }
  }

  function onVertex(vertex: RawVertex, out: BuilderEvent[]) {
    if (!vertex.digest) return;
    const step = stepOf(vertex.digest);
    if (vertex.name) step.name = vertex.name;
    const emit = (status: StepStatus, error?: string) => {
      step.emitted.add(status);
      out.push({
        type: 'step',
        id: vertex.digest as string,
        name: step.name,
        status,
        ...(error !== undefined && { error }),
      });
    };
    const terminal = [...step.emitted].some((status) => TERMINAL.has(status));
    if (vertex.error) {
      if (step.emitted.has('error')) return;
      flushStep(vertex.digest, out);
      failedSteps.push({ id: vertex.digest, name: step.name, error: vertex.error });
      emit('error', vertex.error);
    } else if (vertex.cached && vertex.completed) {
      if (!terminal) emit('cached');
    } else if (vertex.completed) {
      flushStep(vertex.digest, out);
      if (!terminal) emit('done');
    } else if (vertex.started && !terminal && !step.emitted.has('started')) {
      emit('started');
    }
  }

  function onLog(log: RawLog, out: BuilderEvent[]) {
    if (!log.vertex || !log.data) return;
    const stream: LogStream = log.stream === 2 ? 'stderr' : 'stdout';
    const key = `${log.vertex} ${stream}`;
    let entry = partial.get(key);
    if (!entry) {
      entry = { decoder: new StringDecoder('utf8'), buffer: '', step: log.vertex, stream };
      partial.set(key, entry);
    }
    entry.buffer += entry.decoder.write(Buffer.from(log.data, 'base64'));
    const lines = entry.buffer.split('\n');
    entry.buffer = lines.pop() ?? '';
    for (const line of lines) logLine(log.vertex, stream, line, out);
  }

  return {
    line(text) {
      const out: BuilderEvent[] = [];
      const status = parseStatus(text);
      if (!status) {
        if (text.trim() === '') return out;
        plainTail.push(text);
        if (plainTail.length > maxPlainTail) plainTail.shift();
        out.push({ type: 'log', stream: 'stderr', line: text });
        return out;
      }
      // Logs first: BuildKit sends a vertex's last output before (or with) its completion.
      for (const log of status.logs ?? []) onLog(log, out);
      for (const vertex of status.vertexes ?? []) onVertex(vertex, out);
      for (const warning of status.warnings ?? []) {
        if (!warning.short) continue;
        const line = `warning: ${Buffer.from(warning.short, 'base64').toString('utf8')}`;
        out.push({ type: 'log', stream: 'stderr', line, ...(warning.vertex && { step: warning.vertex }) });
      }
      return out;
    },
    end() {
      const out: BuilderEvent[] = [];
      flushStep(undefined, out);
      return out;
    },
    plainTail,
    failedSteps,
    logTail: (stepId) => tails.get(stepId) ?? [],
  };
}

type LogStream = 'stdout' | 'stderr';

function parseStatus(text: string): RawStatus | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as RawStatus) : undefined;
  } catch {
    return undefined;
  }
}

/** A terminal shows only what follows the last carriage return (progress bars redraw with \r). */
function lastRedraw(line: string): string {
  const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
  const cr = trimmed.lastIndexOf('\r');
  return cr < 0 ? trimmed : trimmed.slice(cr + 1);
}
