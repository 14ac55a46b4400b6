/**
 * jscodeshift transform `add-context-extraction`: a thin adapter over the codemod engine, which applies exactly the fixes
 * behind the rules' reports. Returns undefined (jscodeshift: "skipped") when nothing changes.
 *
 *   npx jscodeshift -t node_modules/eslint-plugin-trace-propagation/dist/codemods/add-context-extraction.js src/
 *   npx trace-propagation codemod add-context-extraction src/        (faster: pre-filter, atomic writes, summary)
 */
import { jscodeshiftTransform } from '../src/codemods/jscodeshift.js';

export default jscodeshiftTransform('add-context-extraction');
