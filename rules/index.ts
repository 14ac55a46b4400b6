import noPayloadTraceIds from './no-payload-trace-ids.js';
import requireContextExtraction from './require-context-extraction.js';
import requireHeaderInjection from './require-header-injection.js';

export const rules = {
  'require-header-injection': requireHeaderInjection,
  'require-context-extraction': requireContextExtraction,
  'no-payload-trace-ids': noPayloadTraceIds,
};
