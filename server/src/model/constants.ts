// Named constants whose value the analysis needs and cannot read (their
// definitions are in headers outside the analysed tree). Only zero matters:
// a return or a comparison against a zero status code decides the same
// sign facts as a literal 0 (`if (status != nfs_ok) mutex_unlock(...)`).

/** Status codes defined as 0 (the success value of their API). */
export const ZERO_CONSTANTS: ReadonlySet<string> = new Set([
  'nfs_ok',     // fs/nfsd/nfsd.h: cpu_to_be32(NFS_OK)
  'NFS_OK',     // include/uapi/linux/nfs.h: enum nfs_stat
  'NFS4_OK',    // include/linux/nfs4.h: enum nfsstat4
  'BLK_STS_OK', // include/linux/blk_types.h
]);
