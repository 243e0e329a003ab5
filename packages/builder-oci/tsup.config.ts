import { builderPackageConfig } from '../../scripts/tsup-builder.js';

export default builderPackageConfig();
