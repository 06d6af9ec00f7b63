package dev.kernelj.dsl.check;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kernelj.dsl.DType;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CTypesTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "float|F32",
        "double|F64",
        "__half|F16",
        "half|F16",
        "__nv_bfloat16|BF16",
        "nv_bfloat16|BF16",
        "char|I8",
        "signed char|I8",
        "int8_t|I8",
        "unsigned char|U8",
        "uint8_t|U8",
        "short|I16",
        "short int|I16",
        "signed short|I16",
        "int16_t|I16",
        "unsigned short|U16",
        "uint16_t|U16",
        "unsigned short int|U16",
        "int|I32",
        "signed|I32",
        "signed int|I32",
        "int32_t|I32",
        "unsigned|U32",
        "unsigned int|U32",
        "uint32_t|U32",
        "long long|I64",
        "long long int|I64",
        "signed long long|I64",
        "int64_t|I64",
        "long|I64",
        "long int|I64",
        "ptrdiff_t|I64",
        "unsigned long long|U64",
        "uint64_t|U64",
        "unsigned long|U64",
        "size_t|U64",
        "long unsigned int|U64",
        "unsigned long long int|U64",
        "bool|BOOL",
        "std::size_t|U64",
        "cuda::std::int32_t|I32",
        "::uint8_t|U8",
        "::int32_t|I32",
        "'unsigned   int'|U32"
      })
  void knownSpellings(String c, DType expected) {
    assertEquals(Optional.of(expected), CTypes.dtypeOf(c));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "void",
        "long double",
        "float2",
        "half2",
        "T",
        "Params",
        "signed unsigned int",
        "short long",
        "long long long",
        "unsigned float",
        "int int",
        "char int",
        "",
        "cutlass::half_t"
      })
  void everythingElseIsUnknown(String c) {
    assertEquals(Optional.empty(), CTypes.dtypeOf(c));
  }
}
