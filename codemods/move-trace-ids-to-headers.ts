/**
 * jscodeshift transform `move-trace-ids-to-headers`: a thin adapter over the codemod engine, which applies exactly the fixes
 * behind the rules' reports. Returns undefined (jscodeshift: "skipped") when nothing changes.
 *
 *   npx jscodeshift -t node_modules/eslint-plugin-trace-propagation/dist/codemods/move-trace-ids-to-headers.js src/
 *   npx trace-propagation codemod move-trace-ids-to-headers src/        (faster: pre-filter, atomic writes, summary)
 */
import { jscodeshiftTransform } from '../src/codemods/jscodeshift.js';

export default jscodeshiftTransform('move-trace-ids-to-headers');
