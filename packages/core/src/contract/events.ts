/**
 * What a run reports. The engine emits `BuildEvent`s; renderers (the CLI's tty, plain and
 * json output) only display them. Builders emit the narrower `BuilderEvent`s through
 * `BuildRequest.events`; the engine stamps them with the image they belong to.
 */

export type StepStatus = 'started' | 'cached' | 'done' | 'error';

/** A build step (a Dockerfile instruction, a Kaniko stage command, a verify command). */
export interface StepEvent {
  readonly type: 'step';
  /** Stable id within one build (BuildKit vertex digest, Kaniko step index...). */
  readonly id: string;
  /** Human name, e.g. `[3/7] RUN pip install ...`. */
  readonly name: string;
  readonly status: StepStatus;
  /** Error text when status is 'error'. */
  readonly error?: string;
}

/** One line of build output (no trailing newline). */
export interface LogEvent {
  readonly type: 'log';
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
  /** The step this line belongs to, when the builder knows it. */
  readonly step?: string;
}

export type BuilderEvent = StepEvent | LogEvent;

export interface ImageEventBase {
  /** Full image reference (with tag) the event is about. */
  readonly image: string;
  /** The spec's name (what output prefixes lines with). Not `name`: step events have their own. */
  readonly spec: string;
}

export type BuildEvent =
  | (ImageEventBase & { readonly type: 'queued'; readonly hash: string })
  | (ImageEventBase & {
      readonly type: 'skipped';
      readonly reason: 'exists' | 'dry-run';
      /** With reason 'exists': where the image was found (a spec without registry: its builder's local engine). */
      readonly where?: 'registry' | 'local';
    })
  | (ImageEventBase & { readonly type: 'building'; readonly builder: string })
  | (ImageEventBase & StepEvent)
  | (ImageEventBase & LogEvent)
  | (ImageEventBase & { readonly type: 'built'; readonly digest?: string; readonly durationMs: number })
  | (ImageEventBase & { readonly type: 'pushed'; readonly digest?: string })
  | (ImageEventBase & {
      readonly type: 'failed';
      readonly error: { readonly code: string; readonly message: string; readonly hint?: string };
    })
  | { readonly type: 'warning'; readonly message: string; readonly file?: string; readonly line?: number };

export type BuildEventType = BuildEvent['type'];

export interface BuildEventSink {
  emit(event: BuilderEvent): void;
}
