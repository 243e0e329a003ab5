import { describe, expect, it } from 'vitest';
import { renderTagTemplate, tagTemplateProblem, usesGit } from './tag-template.js';

const sha = '0123456789abcdef0123456789abcdef01234567';

describe('tag templates', () => {
  it('fills in the hash and the git commit, full and short', () => {
    expect(renderTagTemplate('latest', { hash: 'h1' })).toBe('latest');
    expect(renderTagTemplate('{hash}-{hash}', { hash: 'h1' })).toBe('h1-h1');
    expect(renderTagTemplate('git-{gitSha}', { hash: 'h1', gitSha: sha })).toBe(`git-${sha}`);
    expect(renderTagTemplate('{gitShortSha}_{hash}', { hash: 'h1', gitSha: sha })).toBe('0123456_h1');
  });

  it('says which templates need the git commit', () => {
    expect(usesGit('latest')).toBe(false);
    expect(usesGit('{hash}')).toBe(false);
    expect(usesGit('git-{gitSha}')).toBe(true);
    expect(usesGit('{gitShortSha}')).toBe(true);
  });

  it('accepts templates that make a tag and names the problem of others', () => {
    expect(tagTemplateProblem('latest')).toBeUndefined();
    expect(tagTemplateProblem('v1.2-{gitShortSha}')).toBeUndefined();
    expect(tagTemplateProblem('{GITSHA}')).toContain('names `{GITSHA}`');
    expect(tagTemplateProblem('a{')).toContain('does not yield a valid tag');
    expect(tagTemplateProblem('')).toContain('does not yield a valid tag');
    expect(tagTemplateProblem(`${'x'.repeat(88)}{gitSha}`)).toBeUndefined();
    expect(tagTemplateProblem(`${'x'.repeat(89)}{gitSha}`)).toContain('does not yield a valid tag');
  });
});
