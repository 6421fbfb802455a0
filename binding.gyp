{
  "targets": [
    {
      "target_name": "tapeflow",
      "sources": [
        "native/addon.cc",
        "native/common.cc",
        "native/threadpool.cc",
        "native/gemm.cc",
        "native/elementwise.cc",
        "native/reduce.cc",
        "native/nn.cc",
        "native/movement.cc",
        "native/optim.cc",
        "native/fused.cc",
        "native/bind_perf.cc",
        "native/segment.cc",
        "native/bind_segment.cc",
        "native/sort.cc",
        "native/bind_sort.cc",
        "native/lapack.cc",
        "native/bind_lapack.cc"
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fno-trapping-math", "-pthread"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "MACOSX_DEPLOYMENT_TARGET": "10.15",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-fno-math-errno", "-fno-trapping-math"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17", "/O2"] }
      }
    }
  ]
}
