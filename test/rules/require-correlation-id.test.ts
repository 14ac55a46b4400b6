import rule from '../../rules/require-correlation-id.js';
import { runRule } from '../rule-tester.js';
import { invalid, valid } from './cases/require-correlation-id.js';

runRule('require-correlation-id', rule, { valid, invalid });
