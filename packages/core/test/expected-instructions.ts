import type { ResolvedImageSpec } from '../src/contract/spec.js';

/** The instruction keywords the spec asks for, in the documented layer order. */
export function expectedKeywords(spec: ResolvedImageSpec): string[] {
  const keywords = ['FROM'];
  if (spec.aptPackages.length > 0) keywords.push('RUN');
  if (spec.condaPackages.length > 0 || spec.cuda !== undefined || spec.cudnn !== undefined) keywords.push('RUN');
  if (spec.pythonVersion !== undefined) keywords.push('RUN');
  if (spec.requirements) {
    keywords.push('COPY', 'RUN');
    if (spec.requirements.kind !== 'requirements.txt' && spec.packages.length > 0) keywords.push('RUN');
  } else if (spec.packages.length > 0) {
    keywords.push('RUN');
  }
  if (Object.keys(spec.env).length > 0) keywords.push('ENV');
  if (spec.workdir !== undefined) keywords.push('WORKDIR');
  for (const _ of spec.copy) keywords.push('COPY');
  for (const _ of spec.commands) keywords.push('RUN');
  if (spec.sourceRoot !== undefined && spec.sourceCopyMode === 'all') keywords.push('COPY');
  keywords.push('LABEL');
  if (spec.user !== undefined) keywords.push('USER');
  if (spec.entrypoint !== undefined) keywords.push('ENTRYPOINT');
  if (spec.cmd !== undefined) keywords.push('CMD');
  return keywords;
}
