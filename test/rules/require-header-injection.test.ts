import rule from '../../rules/require-header-injection.js';
import { runRule } from '../rule-tester.js';
import { invalid, valid } from './cases/require-header-injection.js';

runRule('require-header-injection', rule, { valid, invalid });
