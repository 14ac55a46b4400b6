/**
 * jscodeshift transform `add-header-injection`: a thin adapter over the codemod engine, which applies exactly the fixes
 * behind the rules' reports. Returns undefined (jscodeshift: "skipped") when nothing changes.
 *
 *   npx jscodeshift -t node_modules/eslint-plugin-trace-propagation/dist/codemods/add-header-injection.js src/
 *   npx trace-propagation codemod add-header-injection src/        (faster: pre-filter, atomic writes, summary)
 */
import { jscodeshiftTransform } from '../src/codemods/jscodeshift.js';

export default jscodeshiftTransform('add-header-injection');
