/**
 * Annotated CSV as InfluxDB documents it ("Annotated CSV" in the InfluxDB 2 reference): the
 * examples below follow the reference's layout (CRLF rows, annotation rows, a header, a blank line
 * between tables, the error table).
 */
import { describe, expect, it } from 'vitest';
import { csvRows, fluxRecords } from './influx-csv.js';

const TWO_TABLES = [
  '#datatype,string,long,dateTime:RFC3339,long,string',
  '#group,false,false,false,false,true',
  '#default,_result,,,,',
  ',result,table,_time,_value,host',
  ',,0,2026-12-02T10:00:00Z,42,"a,b"',
  '',
  '#datatype,string,long,dateTime:RFC3339,double,string',
  '#group,false,false,false,false,true',
  '#default,_result,,,7.5,',
  ',result,table,_time,_value,host',
  ',,1,2026-12-02T10:00:00Z,,c',
  '',
  '',
].join('\r\n');

describe('annotated CSV', () => {
  it('reads quoted cells with commas, quotes and newlines', () => {
    expect(csvRows('a,"b,c","say ""hi""","two\nlines"\r\nx,y,z,w')).toEqual([
      ['a', 'b,c', 'say "hi"', 'two\nlines'],
      ['x', 'y', 'z', 'w'],
    ]);
    expect(() => csvRows('a,"open')).toThrow(/unterminated quoted field/);
  });

  it('reads each table with its own datatypes, filling empty cells from #default', () => {
    const records = fluxRecords(TWO_TABLES);
    expect(records.map((r) => [r.values._value, r.types._value, r.values.host, r.values.result])).toEqual([
      ['42', 'long', 'a,b', '_result'],
      ['7.5', 'double', 'c', '_result'],
    ]);
  });

  it('turns the error table into an error with its message', () => {
    const text = [
      '#datatype,string,string',
      '#group,true,true',
      '#default,,',
      ',error,reference',
      ',"runtime error @4:6-4:31: filter: type conflict: string != int",897',
      '',
    ].join('\r\n');
    expect(() => fluxRecords(text)).toThrow(
      /influxdb query failed: runtime error @4:6-4:31: filter: type conflict/,
    );
  });

  it('refuses a record that does not fit its header', () => {
    expect(() => fluxRecords(',result,table,_value\r\n,,0\r\n')).toThrow(
      /record of 3 cells under a header of 4 columns/,
    );
  });

  it('has no records for an empty answer', () => {
    expect(fluxRecords('\r\n')).toEqual([]);
    expect(fluxRecords('')).toEqual([]);
  });
});
