import { imageSpecJsonSchema } from '@imagespec/core/schema';
import type { CliIo } from '../io.js';

/** `imagespec schema`: the JSON Schema of spec files, for editors and CI validation. */
export async function schemaCommand(io: CliIo): Promise<void> {
  io.stdout.write(`${JSON.stringify(imageSpecJsonSchema(), null, 2)}\n`);
}
