import { describe, expect, it } from 'vitest';
import { parseRequirementLines } from './requirement-lines.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

describe('parseRequirementLines', () => {
  it('reads requirements, comments and option lines as pip does', () => {
    expect(
      parseRequirementLines(
        '# top\n-r base.txt\n--index-url http://127.0.0.1:1/simple\nnumpy==1.26.4  # why\n\nrequests>=2 ; python_version > "3"\n',
      ),
    ).toEqual([
      { text: 'numpy==1.26.4', line: 4, hashes: [] },
      { text: 'requests>=2 ; python_version > "3"', line: 6, hashes: [] },
    ]);
  });

  it('joins continuation lines and takes --hash options off the requirement (pip-compile --generate-hashes)', () => {
    const text = `numpy==1.26.4 \\\n    --hash=${A} \\\n    --hash=${B}\n    # via app\nrequests==2.32.3 --hash ${A}\n`;
    expect(parseRequirementLines(text)).toEqual([
      { text: 'numpy==1.26.4', line: 1, hashes: [A, B] },
      { text: 'requests==2.32.3', line: 5, hashes: [A] },
    ]);
  });

  it('reads CRLF files and keeps a backslash inside a comment from joining lines', () => {
    expect(parseRequirementLines('a==1 # path C:\\\r\nb==2\r\n')).toEqual([
      { text: 'a==1', line: 1, hashes: [] },
      { text: 'b==2', line: 2, hashes: [] },
    ]);
  });
});
