/**
 * What Kaniko's log says, line by line (pure); pod-log.ts follows the pod's log stream that
 * carries it. The executor's own records come as JSON
 * (`--log-format=json`) or as logrus text (`INFO[0000] msg` when coloured, `time=... level=...
 * msg=...` when not); everything else is output of a RUN step or the final plain-text
 * `error building image: ...` line. Steps begin where Kaniko logs an instruction.
 */
import { stripVTControlCharacters } from 'node:util';
import type { BuilderEvent } from '@imagespec/core/builder';

export type KanikoLogFormat = 'json' | 'text' | 'color';
export type KanikoLevel = 'trace' | 'debug' | 'info' | 'warning' | 'error' | 'fatal' | 'panic';

export type KanikoLogLine =
  | { readonly kind: 'record'; readonly level: KanikoLevel; readonly message: string }
  | { readonly kind: 'output'; readonly text: string };

const LEVELS: Readonly<Record<string, KanikoLevel>> = {
  trac: 'trace',
  trace: 'trace',
  debu: 'debug',
  debug: 'debug',
  info: 'info',
  warn: 'warning',
  warning: 'warning',
  erro: 'error',
  error: 'error',
  fata: 'fatal',
  fatal: 'fatal',
  pani: 'panic',
  panic: 'panic',
};

const COLOR_RECORD = /^(TRAC|DEBU|INFO|WARN|ERRO|FATA|PANI)\[[^\]]*\] ?(.*)$/;
const TEXT_RECORD = /^time="[^"]*" level=([a-z]+) msg=(".*?(?<!\\)"|\S*)/;

/** Parses one line of executor output (ANSI colours are stripped either way). */
export function parseKanikoLogLine(raw: string, format: KanikoLogFormat): KanikoLogLine {
  const line = stripVTControlCharacters(raw).replace(/\s+$/, '');
  if (format === 'json') {
    if (line.startsWith('{')) {
      try {
        const record = JSON.parse(line) as { level?: unknown; msg?: unknown };
        const level = typeof record.level === 'string' ? LEVELS[record.level] : undefined;
        if (level && typeof record.msg === 'string') return { kind: 'record', level, message: record.msg };
      } catch {
        // Not JSON after all: a RUN step printed a brace.
      }
    }
    return { kind: 'output', text: line };
  }
  const color = COLOR_RECORD.exec(line);
  if (color) return { kind: 'record', level: LEVELS[color[1]!.toLowerCase()]!, message: color[2]! };
  const text = TEXT_RECORD.exec(line);
  if (text && LEVELS[text[1]!]) return { kind: 'record', level: LEVELS[text[1]!]!, message: unquoteGo(text[2]!) };
  return { kind: 'output', text: line };
}

/** logrus quotes values with Go's %q; JSON reads the escapes Kaniko messages use. */
function unquoteGo(value: string): string {
  if (!value.startsWith('"')) return value;
  try {
    return JSON.parse(value) as string;
  } catch {
    return value.slice(1, -1);
  }
}

const INSTRUCTION =
  /^(FROM|RUN|COPY|ADD|ENV|ARG|LABEL|CMD|ENTRYPOINT|WORKDIR|USER|EXPOSE|VOLUME|SHELL|STOPSIGNAL|HEALTHCHECK|ONBUILD|MAINTAINER) /;
const STAGE = /^Building stage '([^']*)' \[idx: '(\d+)'/;
const CACHED = /^Using caching version of cmd: (.*)$/;
const FAILURE_OUTPUT = /^(error building image|Error): /;

export interface KanikoLogSummary {
  /** The step that was running when the build failed (`RUN make`). */
  readonly failedStep?: string;
  /** Kaniko's own error line, when it printed one. */
  readonly error?: string;
  /** What the failed step printed (its last lines, Kaniko's own records left out). */
  readonly failedStepOutput?: readonly string[];
  /** The last lines, ANSI stripped, for error messages. */
  readonly tail: readonly string[];
}

export interface KanikoLogTracker {
  push(line: string): void;
  /** Closes the running step (done, or error when `failed`) and sums the log up. */
  finish(failed: boolean): KanikoLogSummary;
}

/** Turns lines into `log` and `step` events; remembers the current step and the tail. */
export function createKanikoLogTracker(options: {
  format: KanikoLogFormat;
  emit: (event: BuilderEvent) => void;
  tailSize?: number;
}): KanikoLogTracker {
  const tailSize = options.tailSize ?? 30;
  const tail: string[] = [];
  const cached = new Set<string>();
  let index = 0;
  let current: { id: string; name: string; output: string[] } | undefined;
  let error: string | undefined;

  const closeCurrent = (status: 'done' | 'error', message?: string) => {
    if (!current) return;
    options.emit({ type: 'step', id: current.id, name: current.name, status, ...(message ? { error: message } : {}) });
  };
  const startStep = (name: string) => {
    closeCurrent('done');
    index += 1;
    const id = `step-${index}`;
    if (cached.has(name)) {
      options.emit({ type: 'step', id, name, status: 'cached' });
      current = undefined;
      return;
    }
    current = { id, name, output: [] };
    options.emit({ type: 'step', id, name, status: 'started' });
  };

  return {
    push(raw) {
      const parsed = parseKanikoLogLine(raw, options.format);
      if (parsed.kind === 'record') {
        const stage = STAGE.exec(parsed.message);
        const cachedCmd = CACHED.exec(parsed.message);
        if (stage) startStep(`FROM ${stage[1]}`);
        else if (cachedCmd) cached.add(cachedCmd[1]!);
        else if (parsed.level === 'info' && INSTRUCTION.test(parsed.message)) startStep(parsed.message);
        if (parsed.level === 'error' || parsed.level === 'fatal' || parsed.level === 'panic') error = parsed.message;
      } else if (FAILURE_OUTPUT.test(parsed.text)) {
        error = parsed.text;
      } else if (current) {
        current.output.push(parsed.text);
        if (current.output.length > tailSize) current.output.shift();
      }
      const line = parsed.kind === 'record' ? formatRecord(parsed.level, parsed.message) : parsed.text;
      tail.push(line);
      if (tail.length > tailSize) tail.shift();
      const severe = parsed.kind === 'record' && ['error', 'fatal', 'panic'].includes(parsed.level);
      options.emit({
        type: 'log',
        stream: severe || (parsed.kind === 'output' && error === parsed.text) ? 'stderr' : 'stdout',
        line,
        ...(current ? { step: current.id } : {}),
      });
    },
    finish(failed) {
      const failedStep = failed ? current?.name : undefined;
      const failedStepOutput = failed ? current?.output : undefined;
      closeCurrent(failed ? 'error' : 'done', failed ? (error ?? 'the executor failed') : undefined);
      current = undefined;
      return {
        ...(failedStep ? { failedStep } : {}),
        ...(failedStepOutput ? { failedStepOutput } : {}),
        ...(error ? { error } : {}),
        tail: [...tail],
      };
    },
  };
}

function formatRecord(level: KanikoLevel, message: string): string {
  return level === 'info' ? message : `${level.toUpperCase()} ${message}`;
}
