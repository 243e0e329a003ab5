import { builderPackageConfig } from '../../scripts/tsup-builder.js';

export default builderPackageConfig({
  // Not yet in this package's dependencies (core brings it): never bundle its CommonJS into our ESM.
  external: ['tar-stream'],
});
