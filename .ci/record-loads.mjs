// Registers a module hook that appends every module URL Node loads to the file named by OCPPKIT_LOADS.
import { register } from 'node:module';

register('./record-loads-hooks.mjs', import.meta.url, { data: { file: process.env.OCPPKIT_LOADS } });
