// The second floor: a minimal Nest + Fastify + TypeORM (better-sqlite3) app with one insert
// route and one read-by-primary-key route, on the same kind of SQLite database (WAL,
// synchronous NORMAL). Plain JavaScript, so decorators are applied with Reflect.decorate.
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Inject, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource, EntitySchema } from 'typeorm';

const Item = new EntitySchema({
  name: 'Item',
  tableName: 'items',
  columns: {
    id: { type: 'varchar', length: 36, primary: true },
    name: { type: 'text' },
    created_at: { type: 'bigint' },
  },
});

const dataSource = new DataSource({
  type: 'better-sqlite3',
  database: process.env.DATABASE_PATH,
  entities: [Item],
  synchronize: true,
  enableWAL: true,
  prepareDatabase: (db) => db.pragma('synchronous = NORMAL'),
});

class ItemsController {
  constructor(ds) {
    this.repo = ds.getRepository(Item);
  }
  async insert(body) {
    const row = { id: randomUUID(), name: String(body?.name ?? ''), created_at: Date.now() };
    await this.repo.insert(row);
    return { data: row, error: null };
  }
  async read(id) {
    return { data: await this.repo.findOneBy({ id }), error: null };
  }
  health() {
    return { data: { status: 'healthy' }, error: null };
  }
}
Reflect.decorate([Controller()], ItemsController);
Inject(DataSource)(ItemsController, undefined, 0);
const proto = ItemsController.prototype;
const decorateMethod = (decorators, key) =>
  Object.defineProperty(proto, key, Reflect.decorate(decorators, proto, key, Object.getOwnPropertyDescriptor(proto, key)));
Body()(proto, 'insert', 0);
Param('id')(proto, 'read', 0);
decorateMethod([Post('items'), HttpCode(200)], 'insert');
decorateMethod([Get('items/:id')], 'read');
decorateMethod([Get('health')], 'health');

class FloorModule {}
Reflect.decorate(
  [Module({ controllers: [ItemsController], providers: [{ provide: DataSource, useFactory: () => dataSource.initialize() }] })],
  FloorModule,
);

const app = await NestFactory.create(FloorModule, new FastifyAdapter({ logger: false }), { logger: ['error'] });
await app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
process.stdout.write(`nest floor listening on ${await app.getUrl()}\n`);
const stop = () => app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
