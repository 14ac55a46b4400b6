import rule from '../../rules/no-payload-trace-ids.js';
import { runRule } from '../rule-tester.js';
import { invalid, valid } from './cases/no-payload-trace-ids.js';

runRule('no-payload-trace-ids', rule, { valid, invalid });
