/**
 * jscodeshift transform `add-correlation-propagation`: a thin adapter over the codemod engine, which applies exactly
 * the fixes behind require-correlation-id's reports: publishes inside consumer handlers forward the incoming
 * correlation ID and set the causation ID (correlationHeaders(incoming)), publishes at the system boundary get a
 * correlation ID (correlationHeaders()).
 *
 *   npx jscodeshift -t node_modules/eslint-plugin-trace-propagation/dist/codemods/add-correlation-propagation.js src/
 *   npx trace-propagation codemod add-correlation-propagation src/        (faster: pre-filter, atomic writes, summary)
 */
import { jscodeshiftTransform } from '../src/codemods/jscodeshift.js';

export default jscodeshiftTransform('add-correlation-propagation');
