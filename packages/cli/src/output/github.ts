import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import type { ImageResult } from '@imagespec/core/engine';
import { formatDuration } from './summary-table.js';

/**
 * Step outputs in GitHub's `name<<DELIMITER` file-command form, which every value may use and
 * the only one safe for values with newlines (an error message, the JSON list). The delimiter
 * is random, as in GitHub's own toolkit, so no value can end the block early.
 */
export function renderGithubOutputs(
  images: readonly ImageResult[],
  delimiter = `ghadelimiter_${randomUUID()}`,
): string {
  const outputs: [string, string][] = [
    [
      'images',
      JSON.stringify(
        images.map((image) => ({
          name: image.name,
          image: image.image,
          status: image.status,
          ...(image.digest && { digest: image.digest }),
          ...(image.builder && { builder: image.builder }),
        })),
      ),
    ],
  ];
  for (const image of images) {
    outputs.push([`${image.name}-image`, image.image], [`${image.name}-status`, image.status]);
    if (image.digest) outputs.push([`${image.name}-digest`, image.digest]);
  }
  return outputs
    .map(([name, value]) => {
      if (name.includes(delimiter) || value.includes(delimiter)) {
        throw new Error(`GitHub output ${name} contains its delimiter ${delimiter}.`);
      }
      return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
    })
    .join('');
}

/** The job summary: one markdown table row per image. */
export function renderStepSummary(images: readonly ImageResult[]): string {
  const rows = images.map((image) =>
    [
      `\`${image.image}\``,
      image.status === 'failed' && image.error ? `failed: ${image.error.message}` : image.status,
      image.builder ?? '-',
      image.digest ? `\`${image.digest}\`` : '-',
      formatDuration(image.durationMs),
    ]
      .map(markdownCell)
      .join(' | '),
  );
  return [
    '### imagespec build',
    '',
    '| Image | Status | Builder | Digest | Duration |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
    '',
  ].join('\n');
}

function markdownCell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/** Appends outputs and the summary when the runner set GITHUB_OUTPUT / GITHUB_STEP_SUMMARY; elsewhere nothing. */
export async function writeGithubReport(
  env: Readonly<Record<string, string | undefined>>,
  images: readonly ImageResult[],
): Promise<void> {
  if (env.GITHUB_OUTPUT) await appendFile(env.GITHUB_OUTPUT, renderGithubOutputs(images));
  if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, `${renderStepSummary(images)}\n`);
}
