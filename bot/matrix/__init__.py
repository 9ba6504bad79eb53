"""The Matrix adapter: the only package that imports `nio`.

`platform.MatrixPlatform` is what the running bot starts; the other modules are its
parts: `session` signs in once and keeps the login, `syncer` follows the homeserver,
`events` turns what the sync brings into commands, joins and moves, `rooms` knows
which room an address means, `content` builds message bodies and `outcomes` turns
the homeserver's answers into what the push engine understands.
"""
