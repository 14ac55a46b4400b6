import rule from '../../rules/require-context-extraction.js';
import { runRule } from '../rule-tester.js';
import { invalid, valid } from './cases/require-context-extraction.js';

runRule('require-context-extraction', rule, { valid, invalid });
