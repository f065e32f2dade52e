module.exports = require('../../tools/webpack-node-app')(__dirname);
