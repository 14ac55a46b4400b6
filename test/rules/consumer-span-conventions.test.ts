import rule from '../../rules/consumer-span-conventions.js';
import { runRule } from '../rule-tester.js';
import { invalid, valid } from './cases/consumer-span-conventions.js';

runRule('consumer-span-conventions', rule, { valid, invalid });
